import sys

from .verdict import replay

# A warm ``check`` repeats its remembered answer without loading the rest of the tool.
code = replay(sys.argv[1:])
if code is None:
    from .cli import main

    code = main()
sys.exit(code)
