from dealtape.cli import main

main()
