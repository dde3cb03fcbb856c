variable "project_id" {
  type        = string
  description = "Project to deploy the example into."
}

variable "region" {
  type        = string
  description = "Region of the example's resources."
  default     = "europe-west1"
}

variable "notification_email" {
  type        = string
  description = "Address the example alerts notify."
}
