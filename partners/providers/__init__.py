"""Outside-world adapters for partner verification: `company_state` (NTS 휴폐업 조회) and
`account_holder` (예금주 조회), each a Protocol + sandbox + real client + factory; `transport`
holds what their HTTP clients share. Adapters only: no models, no domain decisions."""
