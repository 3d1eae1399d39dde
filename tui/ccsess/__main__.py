from ccsess.cli import main

raise SystemExit(main())
