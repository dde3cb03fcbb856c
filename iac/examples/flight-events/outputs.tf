output "topic_id" {
  description = "Events topic."
  value       = module.flight_events.topic_id
}

output "subscription_id" {
  description = "Events subscription."
  value       = module.flight_events.subscription_id
}

output "dead_letter_topic_id" {
  description = "Dead-letter topic."
  value       = module.flight_events.dead_letter_topic_id
}
