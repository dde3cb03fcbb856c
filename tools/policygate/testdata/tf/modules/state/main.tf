resource "google_storage_bucket" "tfstate" {
  name                        = "${var.name}-tfstate"
  location                    = "EUROPE-WEST1"
  uniform_bucket_level_access = false
  force_destroy               = true
}
