terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.14.0, < 7.0.0"
    }
  }

  # Partial configuration: terraform init -backend-config=envs/<env>.gcs.tfbackend
  # (the bucket comes from the platform bootstrap: <project>-tfstate).
  backend "gcs" {}
}
