"""`python -m explorer.sandbox [options]` runs the sandbox in the foreground."""

from explorer.sandbox.runner import serve_from_args

if __name__ == "__main__":
    raise SystemExit(serve_from_args())
