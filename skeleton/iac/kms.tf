# Customer-managed encryption (CMEK) for the topics and the dataset: one key
# ring per service, one key rotated every 90 days, usable only by the Pub/Sub
# and BigQuery service agents of the project.
#
# The key name passed to the modules is built from configured values, so it
# is known at plan time (the policy gate can check it), and it is read
# through the grants, so the topics and the dataset are created only after
# the service agents may use the key. The BigQuery encryption service agent
# exists once BigQuery has been used in the project (`bq show
# --encryption_service_account` creates it).

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # KMS key ring and key names: letters, digits, _ and -, at most 63
  # characters. <resource_name>-data is shortened like the other names.
  crypto_key_name = length(local.resource_name) <= 58 ? "${local.resource_name}-data" : "${trim(substr(local.resource_name, 0, 51), "-")}-${substr(sha1(local.resource_name), 0, 6)}-data"
}

resource "google_kms_key_ring" "this" {
  project  = var.project_id
  name     = local.resource_name
  location = var.region
}

resource "google_kms_crypto_key" "data" {
  name            = local.crypto_key_name
  key_ring        = google_kms_key_ring.this.id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = "7776000s"
  labels          = local.labels

  lifecycle {
    prevent_destroy = true
  }
}

locals {
  crypto_key_id = "projects/${var.project_id}/locations/${google_kms_key_ring.this.location}/keyRings/${google_kms_key_ring.this.name}/cryptoKeys/${google_kms_crypto_key.data.name}"
}

resource "google_kms_crypto_key_iam_member" "pubsub" {
  crypto_key_id = local.crypto_key_id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_kms_crypto_key_iam_member" "bigquery" {
  crypto_key_id = local.crypto_key_id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = "serviceAccount:bq-${data.google_project.this.number}@bigquery-encryption.iam.gserviceaccount.com"
}
