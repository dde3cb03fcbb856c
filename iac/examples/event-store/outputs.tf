output "table_ref" {
  description = "Fully qualified events table."
  value       = module.event_store.table_ref
}
