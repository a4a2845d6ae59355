package main

import (
	"io/fs"
	"testing"
)

func TestChooseRuntimeSettings(t *testing.T) {
	const v2, v1 = "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"
	tests := []struct {
		name  string
		env   map[string]string
		files map[string]string
		want  runtimeSettings
	}{
		{"no container limit", nil, map[string]string{v2: "max\n"}, runtimeSettings{gcPercent: 50}},
		{"no cgroup files", nil, nil, runtimeSettings{gcPercent: 50}},
		{"cgroup v2 limit", nil, map[string]string{v2: "536870912\n"}, runtimeSettings{gcPercent: 50, memoryLimit: 483183820}},
		{"cgroup v1 limit", nil, map[string]string{v1: "1073741824\n"}, runtimeSettings{gcPercent: 50, memoryLimit: 966367641}},
		{"cgroup v1 unlimited", nil, map[string]string{v1: "9223372036854771712\n"}, runtimeSettings{gcPercent: 50}},
		{"GOGC set", map[string]string{"GOGC": "200"}, map[string]string{v2: "max"}, runtimeSettings{}},
		{"GOGC=off set", map[string]string{"GOGC": "off"}, nil, runtimeSettings{}},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "300MiB"}, map[string]string{v2: "536870912"}, runtimeSettings{gcPercent: 50}},
		{"garbage in the file", nil, map[string]string{v2: "lots"}, runtimeSettings{gcPercent: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			read := func(f string) ([]byte, error) {
				if c, ok := tt.files[f]; ok {
					return []byte(c), nil
				}
				return nil, &fs.PathError{Op: "open", Path: f, Err: fs.ErrNotExist}
			}
			if got := chooseRuntimeSettings(env, read); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
