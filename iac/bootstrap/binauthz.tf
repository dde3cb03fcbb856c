# Binary Authorization: Cloud Run admits only images that the platform's
# service CI built, attested (GitHub artifact attestations: SLSA build
# provenance and an SPDX SBOM) and verified. Binary Authorization cannot read
# GitHub's Sigstore bundles, so the CI bridges the two: after
# `gh attestation verify` succeeds for the pushed digest it signs a Binary
# Authorization attestation for that digest with the KMS key below
# (`gcloud container binauthz attestations sign-and-create`). The project
# policy requires that attestation for every image; the service module's
# Cloud Run services evaluate it (binary_authorization.use_default).
#
# Break-glass: see iac/modules/service/README.md (breakglass_justification).

locals {
  binauthz_name = "built-by-service-ci"
}

resource "google_kms_key_ring" "binauthz" {
  project  = var.project_id
  name     = "binauthz"
  location = var.region

  depends_on = [google_project_service.this]
}

resource "google_kms_crypto_key" "attestor" {
  name     = "attestor"
  key_ring = google_kms_key_ring.binauthz.id
  purpose  = "ASYMMETRIC_SIGN"
  labels   = var.labels

  version_template {
    algorithm = "EC_SIGN_P256_SHA256"
  }

  lifecycle {
    prevent_destroy = true
  }
}

data "google_kms_crypto_key_version" "attestor" {
  crypto_key = google_kms_crypto_key.attestor.id
}

resource "google_container_analysis_note" "attestor" {
  project = var.project_id
  name    = local.binauthz_name

  attestation_authority {
    hint {
      human_readable_name = "Built, attested and verified by the platform's service CI"
    }
  }

  depends_on = [google_project_service.this]
}

resource "google_binary_authorization_attestor" "ci" {
  project     = var.project_id
  name        = local.binauthz_name
  description = "Signs image digests whose GitHub build provenance and SBOM attestations verified in service-ci.yml."

  attestation_authority_note {
    note_reference = google_container_analysis_note.attestor.name

    public_keys {
      id = data.google_kms_crypto_key_version.attestor.id

      pkix_public_key {
        public_key_pem      = data.google_kms_crypto_key_version.attestor.public_key[0].pem
        signature_algorithm = data.google_kms_crypto_key_version.attestor.public_key[0].algorithm
      }
    }
  }
}

resource "google_binary_authorization_policy" "this" {
  project     = var.project_id
  description = "Cloud Run admits only images attested by ${local.binauthz_name}."

  # Google-maintained system images (e.g. Cloud Run's own) stay admitted.
  global_policy_evaluation_mode = "ENABLE"

  # The Managed Service for Prometheus sidecar every service runs beside its
  # own image (iac/modules/service): Google's release, pinned by version there.
  admission_whitelist_patterns {
    name_pattern = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/*"
  }

  default_admission_rule {
    evaluation_mode         = "REQUIRE_ATTESTATION"
    enforcement_mode        = "ENFORCED_BLOCK_AND_AUDIT_LOG"
    require_attestations_by = [google_binary_authorization_attestor.ci.name]
  }
}

# The apply identity runs the image job of service-ci.yml: it reads the
# attestor, signs with the key and attaches the attestation (an occurrence of
# the note). It cannot change the policy or the attestor.
resource "google_binary_authorization_attestor_iam_member" "apply_viewer" {
  project  = var.project_id
  attestor = google_binary_authorization_attestor.ci.name
  role     = "roles/binaryauthorization.attestorsViewer"
  member   = google_service_account.apply.member
}

resource "google_kms_crypto_key_iam_member" "apply_signer" {
  crypto_key_id = google_kms_crypto_key.attestor.id
  role          = "roles/cloudkms.signerVerifier"
  member        = google_service_account.apply.member
}

resource "google_container_analysis_note_iam_member" "apply_attacher" {
  project = var.project_id
  note    = google_container_analysis_note.attestor.name
  role    = "roles/containeranalysis.notes.attacher"
  member  = google_service_account.apply.member
}

resource "google_project_iam_member" "apply_occurrences" {
  project = var.project_id
  role    = "roles/containeranalysis.occurrences.editor"
  member  = google_service_account.apply.member
}
