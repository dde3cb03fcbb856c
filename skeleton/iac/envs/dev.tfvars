# dev environment of ${{ values.name }}, from the Backstage template's values.
project_id   = "${{ values.projectId }}"
region       = "${{ values.region }}"
environment  = "dev"
name         = "${{ values.name }}"
dataset_id   = "${{ values.dataset }}"
table_id     = "${{ values.table }}"
public_api   = ${{ values.publicApi }}
owner        = "${{ values.owner }}"
system       = "${{ values.system }}"
platform_ref = "${{ values.platformRef }}"

# The owning team's on-call mailbox (the template's alertEmail).
alert_emails = [${{ values.alertEmail | dump }}]

# The platform bootstrap's apply identity deploys revisions.
deployer_members = ["serviceAccount:tf-apply@${{ values.projectId }}.iam.gserviceaccount.com"]
