output "topic_id" {
  description = "ID of the events topic (projects/<project>/topics/<name>)."
  value       = google_pubsub_topic.events.id
}

output "topic_name" {
  description = "Short name of the events topic."
  value       = google_pubsub_topic.events.name
}

output "subscription_id" {
  description = "ID of the events subscription (projects/<project>/subscriptions/<name>-sub)."
  value       = google_pubsub_subscription.events.id
}

output "subscription_name" {
  description = "Short name of the events subscription."
  value       = google_pubsub_subscription.events.name
}

output "dead_letter_topic_id" {
  description = "ID of the dead-letter topic."
  value       = google_pubsub_topic.dead_letter.id
}

output "dead_letter_topic_name" {
  description = "Short name of the dead-letter topic."
  value       = google_pubsub_topic.dead_letter.name
}
