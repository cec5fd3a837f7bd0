import sys

code = None
if "check" in sys.argv[1:]:
    # A warm ``check`` repeats its remembered answer without loading the rest of the tool.
    from .verdict import replay

    code = replay(sys.argv[1:])
if code is None:
    from .cli import main

    code = main()
sys.exit(code)
