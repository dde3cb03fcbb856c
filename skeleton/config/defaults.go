package config

// Defaults that come from the template's values. This is the only Go file
// of the service that the template fills in besides import paths.
const (
	DefaultServiceName = "${{ values.name }}"
	DefaultProjectID   = "${{ values.projectId }}"
	DefaultRegion      = "${{ values.region }}"
	DefaultDataset     = "${{ values.dataset }}"
	DefaultTable       = "${{ values.table }}"
)
