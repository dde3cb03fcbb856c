output "launch_command" {
  description = "How to launch a backfill from the example's template spec."
  value       = module.batch.launch_command
}
