// Command psa-eval evaluates pod specs with the official Pod Security Standards evaluator,
// k8s.io/pod-security-admission/policy (the code the API server's PodSecurity admission runs),
// so the kit's plan says before `pulumi up` which pod a namespace would reject, and why.
//
// stdin:  {"pods": [{"name": "...", "level": "baseline", "version": "v1.34",
//
//	"metadata": {...}, "spec": {...}}]}
//
// stdout: [{"name": "...", "allowed": true|false,
//
//	"violations": [{"check": "hostPathVolumes", "reason": "...", "detail": "..."}]}]
//
// Each check keeps its upstream ID: the registry's own version and override logic picks which
// checks run (DefaultChecks at the requested level and version); a wrapper only records which
// check produced each result.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

type podInput struct {
	Name     string            `json:"name"`
	Level    string            `json:"level"`
	Version  string            `json:"version"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     corev1.PodSpec    `json:"spec"`
}

type violation struct {
	Check  string `json:"check"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

type verdict struct {
	Name       string      `json:"name"`
	Allowed    bool        `json:"allowed"`
	Violations []violation `json:"violations"`
}

// recorder remembers which check produced each result of one EvaluatePod call.
type recorder struct{ ids []policy.CheckID }

func wrapped(checks []policy.Check, rec *recorder) []policy.Check {
	out := make([]policy.Check, 0, len(checks))
	for _, check := range checks {
		versions := make([]policy.VersionedCheck, 0, len(check.Versions))
		for _, v := range check.Versions {
			id, inner := check.ID, v.CheckPod
			v.CheckPod = func(meta *metav1.ObjectMeta, spec *corev1.PodSpec) policy.CheckResult {
				rec.ids = append(rec.ids, id)
				return inner(meta, spec)
			}
			versions = append(versions, v)
		}
		check.Versions = versions
		out = append(out, check)
	}
	return out
}

// defaultVolumes does what the API server's defaulting does before admission sees a pod
// (k8s.io/kubernetes pkg/apis/core/v1/defaults.go, SetDefaults_Volume): a volume that names no
// source is an emptyDir. Upstream's fixtures rely on it ("implicit empty dir").
func defaultVolumes(spec *corev1.PodSpec) {
	for i := range spec.Volumes {
		source := reflect.ValueOf(spec.Volumes[i].VolumeSource)
		empty := true
		for f := 0; f < source.NumField(); f++ {
			empty = empty && source.Field(f).IsNil()
		}
		if empty {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
}

func evaluate(evaluator policy.Evaluator, rec *recorder, pod podInput) (verdict, error) {
	defaultVolumes(&pod.Spec)
	level, err := api.ParseLevel(pod.Level)
	if err != nil {
		return verdict{}, fmt.Errorf("pod %s: %w", pod.Name, err)
	}
	version, err := api.ParseVersion(pod.Version)
	if err != nil {
		return verdict{}, fmt.Errorf("pod %s: %w", pod.Name, err)
	}
	rec.ids = nil
	results := evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: version}, &pod.Metadata, &pod.Spec)
	out := verdict{Name: pod.Name, Allowed: policy.AggregateCheckResults(results).Allowed, Violations: []violation{}}
	for i, result := range results {
		if !result.Allowed {
			out.Violations = append(out.Violations, violation{string(rec.ids[i]), result.ForbiddenReason, result.ForbiddenDetail})
		}
	}
	return out, nil
}

func run() error {
	var input struct {
		Pods []podInput `json:"pods"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&input); err != nil {
		return fmt.Errorf("reading pods from stdin: %w", err)
	}
	rec := &recorder{}
	evaluator, err := policy.NewEvaluator(wrapped(policy.DefaultChecks(), rec), nil)
	if err != nil {
		return err
	}
	verdicts := make([]verdict, 0, len(input.Pods))
	for _, pod := range input.Pods {
		v, err := evaluate(evaluator, rec, pod)
		if err != nil {
			return err
		}
		verdicts = append(verdicts, v)
	}
	return json.NewEncoder(os.Stdout).Encode(verdicts)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "psa-eval:", err)
		os.Exit(2)
	}
}
