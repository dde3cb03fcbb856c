# prod environment of ${{ values.name }}, from the Backstage template's values.
# It shares the project with dev under its own names (name_suffix gives the
# Cloud Run services, service accounts, topics and key ring a -prod suffix;
# the dataset has its own), so the two never collide. To run prod in a
# project of its own, bootstrap that project, set project_id here and the
# bucket in prod.gcs.tfbackend, and drop the suffixes.
project_id   = "${{ values.projectId }}"
region       = "${{ values.region }}"
environment  = "prod"
name         = "${{ values.name }}"
name_suffix  = "-prod"
dataset_id   = "${{ values.dataset }}_prod"
table_id     = "${{ values.table }}"
public_api   = ${{ values.publicApi }}
owner        = "${{ values.owner }}"
system       = "${{ values.system }}"
platform_ref = "${{ values.platformRef }}"

# The owning team's on-call mailbox (the template's alertEmail).
alert_emails = [${{ values.alertEmail | dump }}]

# The platform bootstrap's apply identity deploys revisions.
deployer_members = ["serviceAccount:tf-apply@${{ values.projectId }}.iam.gserviceaccount.com"]
