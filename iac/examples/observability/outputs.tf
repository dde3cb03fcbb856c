output "slo_names" {
  description = "The example's SLOs."
  value       = module.observability.slo_names
}
