"""Partner writes: `partners` (create, update, schedule, archive, recover; the PARTNER kind and
the PartnerChange input), `insert` (new partners in bulk), `lookups` (휴폐업 / 예금주 조회),
`verification` (background checks of accounts and businesses), `counterparty` (국세청 연동)."""
