from contactcenter.cli import main

raise SystemExit(main())
