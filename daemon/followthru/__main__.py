from followthru.cli import main

main()
