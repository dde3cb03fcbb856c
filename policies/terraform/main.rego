# METADATA
# title: Aggregated query of the Terraform plan gate
# description: |
#   violations collects every finding of every rule package under
#   data.terraform.rules, so the gate evaluates all rules in one query.
package terraform.main

violations contains f if {
	some name
	some f in data.terraform.rules[name].deny
}
