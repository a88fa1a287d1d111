"""``nngrade`` subcommands: each module here defines ``register(subparsers)``.

``register`` adds one subparser and sets ``run=function(args) -> exit code`` on it.
"""
