"""Settlement writes: transfers of every kind (one pipeline per kind, single calls being one-row
batches), their payments, gathering into partner settlements, and the changes staff make."""
