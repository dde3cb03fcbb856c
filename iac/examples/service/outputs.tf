output "url" {
  description = "URL of the example API (internal ingress)."
  value       = module.service.url
}
