from valuecenter.cli.main import main

main()
