"""Pure settlement rules: the amount arithmetic (`calculation`), settlement dates (`dates`) and
the JSON form of calculation inputs a transfer keeps (`codec`). No Django, no I/O, no clock."""
