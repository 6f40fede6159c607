from torchsmote.cli import main

raise SystemExit(main())
