//go:build !production

package main

import (
	"testing"

	"${{ values.goModule }}/config"
)

// This file tests local.go, which the production build leaves out.

// TestRateLimitSwitch: DATOS_RATE_LIMIT=off leaves the API without a rate
// limit, the default keeps it on, and the local command turns it off
// unless the variable is set.
func TestRateLimitSwitch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		env       map[string]string
		local     bool
		wantLimit bool
	}{
		{name: "serve_default_on", wantLimit: true},
		{name: "serve_off", env: map[string]string{"DATOS_RATE_LIMIT": "off"}, wantLimit: false},
		{name: "local_default_off", local: true, wantLimit: false},
		{name: "local_set_on", env: map[string]string{"DATOS_RATE_LIMIT": "5"}, local: true, wantLimit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tt.env[k] }
			cfg, err := config.FromEnv(getenv)
			if err != nil {
				t.Fatal(err)
			}
			if tt.local {
				cfg = localRateLimit(cfg, getenv)
			}
			if got := observe(cfg).limit != nil; got != tt.wantLimit {
				t.Errorf("rate limit on = %v, want %v", got, tt.wantLimit)
			}
		})
	}
}
