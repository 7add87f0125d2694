// Command pulumi-resource-kubernetes is upstream's provider entry point
// (pulumi-kubernetes provider/cmd/pulumi-resource-kubernetes/main.go, Apache-2.0). The two
// embedded files are written by embed_schema.py from the module's schema.json and
// terraform-mapping.json, as upstream's generate.go does, with the version the SDK asks for.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

var providerName = "kubernetes"

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve(providerName, version.Version, pulumiSchema, terraformMapping)
}
