# Flight-status events on Pub/Sub: the events topic, a pull subscription with
# a dead-letter policy and retry policy, and the dead-letter topic.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Topic and subscription IDs: 3-255 characters, starting with a letter, not
  # starting with "goog". Every template name fits except the 1-2 character
  # ones and those starting with goog: they get a "ps-" prefix.
  base_name = length(var.name) >= 3 && substr(var.name, 0, 4) != "goog" ? var.name : "ps-${var.name}"

  # The Pub/Sub service agent forwards undeliverable messages to the
  # dead-letter topic: it must publish there and be able to ack them on the
  # source subscription.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "events" {
  project      = var.project_id
  name         = local.base_name
  kms_key_name = var.kms_key_name
  labels       = var.labels

  message_storage_policy {
    allowed_persistence_regions = var.allowed_persistence_regions
  }
}

resource "google_pubsub_topic" "dead_letter" {
  project      = var.project_id
  name         = "${local.base_name}-dlq"
  kms_key_name = var.kms_key_name
  labels       = var.labels

  # Topic retention keeps dead-lettered messages even without a subscription:
  # an operator replays them by creating a subscription and seeking it back.
  message_retention_duration = var.dead_letter_retention_duration

  message_storage_policy {
    allowed_persistence_regions = var.allowed_persistence_regions
  }
}

resource "google_pubsub_subscription" "events" {
  project = var.project_id
  name    = "${local.base_name}-sub"
  topic   = google_pubsub_topic.events.id
  labels  = var.labels

  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = var.message_retention_duration
  retain_acked_messages      = false

  # Never expire the subscription for inactivity.
  expiration_policy {
    ttl = ""
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = var.minimum_backoff
    maximum_backoff = var.maximum_backoff
  }
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.events.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

resource "google_pubsub_topic_iam_member" "publishers" {
  for_each = toset(var.publisher_members)

  project = var.project_id
  topic   = google_pubsub_topic.events.name
  role    = "roles/pubsub.publisher"
  member  = each.value
}
