"""``python -m django_creatify.sandbox --addr 127.0.0.1:8765 --jobs N --seed S --speed X``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
