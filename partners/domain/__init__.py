"""Partners' pure rules: banks, business registration numbers, account numbers and holder names.
No Django, no I/O."""
