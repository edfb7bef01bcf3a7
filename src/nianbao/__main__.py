"""`python -m nianbao`: the command line."""
from nianbao.cli import main

main()
