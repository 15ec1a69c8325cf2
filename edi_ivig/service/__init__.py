"""`edi-ivig serve`: the hook (`edi_ivig.process`) as an HTTP service, Starlette on uvicorn.

One job a module: `work` runs the pipeline in worker processes and shapes what it returns,
`body` reads a request body without holding more than the limit, `auth` checks the bearer
token, `access_log` logs each request without its content, `openapi` describes the endpoints,
`app` puts them together and `command` is the command line (docs/service.md).
"""
