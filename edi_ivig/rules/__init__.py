"""The billing rules IG01-IG12, one module each, and what they share.

Read in this order:

- `base`: what a rule is (`Rule`), what it may consult (`Context`), what it yields (a
  `Problem`, with the `ReplaceLine` edit that would fix it) and what is reported (`Finding`).
- `ig01_per_day_lines` ... `ig12_code_dates`: one rule each, holding only its logic; the
  docstring says what it checks, why, an example, and its fix and how safe that is.
- What several rules share, by what it is: `lines` (which lines are immune globulin drug or
  administration lines), `days` (the days a line covers), `doses` (grams given, billing
  units), `edits` (problems with their edit: recode, add a modifier), `messages` (how a
  message names a line).
- `registry`: `RULES` in the order the pipeline runs them, and `BY_ID`.

This file imports nothing, so importing one module of the package loads only what that
module needs, and no rule module can import its way back to the registry.
"""
