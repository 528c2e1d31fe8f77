"""The settlement part of PortOne's Platform API: transfers, transfer summaries and their sheet,
partner settlements, and the PortOne payment webhook receiver."""
