from edi_ivig.cli import main

main()
