"""The operator's verbs beside syncing: decisions (candidates, link), the doctor, the CSV import."""
