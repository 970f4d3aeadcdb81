from __future__ import annotations

from aws_key_guard._main import main

if __name__ == '__main__':
    raise SystemExit(main())
