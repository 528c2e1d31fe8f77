"""What a settlement spreadsheet row means: order transfers, manual transfers and payments coming
in, the transfer sheet going out. Built on core.files; the services decide everything else."""
