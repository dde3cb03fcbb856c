variable "project_id" {
  type        = string
  description = "Project to deploy the example into."
}

variable "region" {
  type        = string
  description = "Region of the example's resources."
  default     = "europe-west1"
}
