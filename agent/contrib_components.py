"""Component types shipped by the pinned otelcol-contrib, so a config can be checked offline.

MANIFEST_MODULES is open-telemetry/opentelemetry-collector-releases
distributions/otelcol-contrib/manifest.yaml at tag v0.159.0 (commit f817832365a9), verbatim but
for the prefixes ("core/" = go.opentelemetry.io/collector/, "contrib/" =
github.com/open-telemetry/opentelemetry-collector-contrib/). A config type is not the directory
name: contrib is renaming to snake_case, keeping the old name as an alias (contrib#45339), so
`derive_types` strips the kind suffix unless TYPE_OVERRIDES says otherwise.

Upgrade: replace MANIFEST_MODULES with the new tag's list, bump COLLECTOR_VERSION in
components/versions.py, re-check renames, run the tests.
"""

from __future__ import annotations

from functools import cache

from agent.distribution import COLLECTOR_VERSION

MANIFEST_TAG = f"v{COLLECTOR_VERSION}"

KINDS = ("receivers", "processors", "exporters", "extensions", "connectors")

MANIFEST_MODULES: dict[str, tuple[str, ...]] = {
    "receivers": (
        "core/receiver/nopreceiver",
        "core/receiver/otlpreceiver",
        "go.opentelemetry.io/obi/collector",
        "contrib/receiver/activedirectorydsreceiver",
        "contrib/receiver/aerospikereceiver",
        "contrib/receiver/apachereceiver",
        "contrib/receiver/apachesparkreceiver",
        "contrib/receiver/awscloudwatchreceiver",
        "contrib/receiver/awscontainerinsightreceiver",
        "contrib/receiver/awsecscontainermetricsreceiver",
        "contrib/receiver/awsfirehosereceiver",
        "contrib/receiver/awslambdareceiver",
        "contrib/receiver/awss3receiver",
        "contrib/receiver/awsxrayreceiver",
        "contrib/receiver/azureblobreceiver",
        "contrib/receiver/azureeventhubreceiver",
        "contrib/receiver/azuremonitorreceiver",
        "contrib/receiver/carbonreceiver",
        "contrib/receiver/chronyreceiver",
        "contrib/receiver/ciscoosreceiver",
        "contrib/receiver/cloudflarereceiver",
        "contrib/receiver/cloudfoundryreceiver",
        "contrib/receiver/collectdreceiver",
        "contrib/receiver/couchdbreceiver",
        "contrib/receiver/datadogreceiver",
        "contrib/receiver/dockerstatsreceiver",
        "contrib/receiver/elasticsearchreceiver",
        "contrib/receiver/envoyalsreceiver",
        "contrib/receiver/expvarreceiver",
        "contrib/receiver/faroreceiver",
        "contrib/receiver/filelogreceiver",
        "contrib/receiver/filestatsreceiver",
        "contrib/receiver/flinkmetricsreceiver",
        "contrib/receiver/fluentforwardreceiver",
        "contrib/receiver/githubreceiver",
        "contrib/receiver/gitlabreceiver",
        "contrib/receiver/googlecloudmonitoringreceiver",
        "contrib/receiver/googlecloudpubsubreceiver",
        "contrib/receiver/googlecloudspannerreceiver",
        "contrib/receiver/haproxyreceiver",
        "contrib/receiver/hostmetricsreceiver",
        "contrib/receiver/httpcheckreceiver",
        "contrib/receiver/icmpcheckreceiver",
        "contrib/receiver/influxdbreceiver",
        "contrib/receiver/iisreceiver",
        "contrib/receiver/jaegerreceiver",
        "contrib/receiver/journaldreceiver",
        "contrib/receiver/k8sclusterreceiver",
        "contrib/receiver/k8seventsreceiver",
        "contrib/receiver/k8sobjectsreceiver",
        "contrib/receiver/kafkametricsreceiver",
        "contrib/receiver/kafkareceiver",
        "contrib/receiver/kubeletstatsreceiver",
        "contrib/receiver/libhoneyreceiver",
        "contrib/receiver/lokireceiver",
        "contrib/receiver/macosunifiedloggingreceiver",
        "contrib/receiver/memcachedreceiver",
        "contrib/receiver/mongodbatlasreceiver",
        "contrib/receiver/mongodbreceiver",
        "contrib/receiver/mysqlreceiver",
        "contrib/receiver/namedpipereceiver",
        "contrib/receiver/netflowreceiver",
        "contrib/receiver/nginxreceiver",
        "contrib/receiver/nsxtreceiver",
        "contrib/receiver/ntpreceiver",
        "contrib/receiver/oracledbreceiver",
        "contrib/receiver/otlpjsonfilereceiver",
        "contrib/receiver/otelarrowreceiver",
        "contrib/receiver/podmanreceiver",
        "contrib/receiver/postgresqlreceiver",
        "contrib/receiver/pprofreceiver",
        "contrib/receiver/prometheusreceiver",
        "contrib/receiver/prometheusremotewritereceiver",
        "contrib/receiver/purefareceiver",
        "contrib/receiver/purefbreceiver",
        "contrib/receiver/pulsarreceiver",
        "contrib/receiver/rabbitmqreceiver",
        "contrib/receiver/receivercreator",
        "contrib/receiver/redisreceiver",
        "contrib/receiver/riakreceiver",
        "contrib/receiver/saphanareceiver",
        "contrib/receiver/simpleprometheusreceiver",
        "contrib/receiver/skywalkingreceiver",
        "contrib/receiver/snowflakereceiver",
        "contrib/receiver/solacereceiver",
        "contrib/receiver/splunkenterprisereceiver",
        "contrib/receiver/splunkhecreceiver",
        "contrib/receiver/stefreceiver",
        "contrib/receiver/sqlqueryreceiver",
        "contrib/receiver/sqlserverreceiver",
        "contrib/receiver/sshcheckreceiver",
        "contrib/receiver/statsdreceiver",
        "contrib/receiver/syslogreceiver",
        "contrib/receiver/systemdreceiver",
        "contrib/receiver/tcpcheckreceiver",
        "contrib/receiver/tcplogreceiver",
        "contrib/receiver/tlscheckreceiver",
        "contrib/receiver/udplogreceiver",
        "contrib/receiver/vcenterreceiver",
        "contrib/receiver/wavefrontreceiver",
        "contrib/receiver/snmpreceiver",
        "contrib/receiver/webhookeventreceiver",
        "contrib/receiver/windowseventlogreceiver",
        "contrib/receiver/windowsperfcountersreceiver",
        "contrib/receiver/windowsservicereceiver",
        "contrib/receiver/yanggrpcreceiver",
        "contrib/receiver/zipkinreceiver",
        "contrib/receiver/zookeeperreceiver",
    ),
    "processors": (
        "core/processor/batchprocessor",
        "core/processor/memorylimiterprocessor",
        "contrib/processor/attributesprocessor",
        "contrib/processor/cumulativetodeltaprocessor",
        "contrib/processor/coralogixprocessor",
        "contrib/processor/deltatocumulativeprocessor",
        "contrib/processor/deltatorateprocessor",
        "contrib/processor/drainprocessor",
        "contrib/processor/filterprocessor",
        "contrib/processor/genainormalizerprocessor",
        "contrib/processor/geoipprocessor",
        "contrib/processor/groupbyattrsprocessor",
        "contrib/processor/groupbytraceprocessor",
        "contrib/processor/intervalprocessor",
        "contrib/processor/isolationforestprocessor",
        "contrib/processor/k8sattributesprocessor",
        "contrib/processor/logdedupprocessor",
        "contrib/processor/metricsgenerationprocessor",
        "contrib/processor/metricstarttimeprocessor",
        "contrib/processor/metricstransformprocessor",
        "contrib/processor/probabilisticsamplerprocessor",
        "contrib/processor/redactionprocessor",
        "contrib/processor/remotetapprocessor",
        "contrib/processor/resourcedetectionprocessor",
        "contrib/processor/resourceprocessor",
        "contrib/processor/schemaprocessor",
        "contrib/processor/spanprocessor",
        "contrib/processor/sumologicprocessor",
        "contrib/processor/tailsamplingprocessor",
        "contrib/processor/transformprocessor",
        "contrib/processor/unrollprocessor",
        "contrib/processor/cardinalityguardianprocessor",
    ),
    "exporters": (
        "core/exporter/debugexporter",
        "core/exporter/nopexporter",
        "core/exporter/otlpexporter",
        "core/exporter/otlphttpexporter",
        "contrib/exporter/alibabacloudlogserviceexporter",
        "contrib/exporter/awscloudwatchlogsexporter",
        "contrib/exporter/awsemfexporter",
        "contrib/exporter/awskinesisexporter",
        "contrib/exporter/awsxrayexporter",
        "contrib/exporter/awss3exporter",
        "contrib/exporter/azureblobexporter",
        "contrib/exporter/azuredataexplorerexporter",
        "contrib/exporter/azuremonitorexporter",
        "contrib/exporter/bmchelixexporter",
        "contrib/exporter/cassandraexporter",
        "contrib/exporter/clickhouseexporter",
        "contrib/exporter/coralogixexporter",
        "contrib/exporter/datadogexporter",
        "contrib/exporter/datasetexporter",
        "contrib/exporter/dorisexporter",
        "contrib/exporter/elasticsearchexporter",
        "contrib/exporter/faroexporter",
        "contrib/exporter/fileexporter",
        "contrib/exporter/googlecloudexporter",
        "contrib/exporter/googlecloudpubsubexporter",
        "contrib/exporter/googlecloudstorageexporter",
        "contrib/exporter/googlemanagedprometheusexporter",
        "contrib/exporter/honeycombmarkerexporter",
        "contrib/exporter/influxdbexporter",
        "contrib/exporter/kafkaexporter",
        "contrib/exporter/loadbalancingexporter",
        "contrib/exporter/logicmonitorexporter",
        "contrib/exporter/logzioexporter",
        "contrib/exporter/mezmoexporter",
        "contrib/exporter/opensearchexporter",
        "contrib/exporter/otelarrowexporter",
        "contrib/exporter/prometheusexporter",
        "contrib/exporter/prometheusremotewriteexporter",
        "contrib/exporter/pulsarexporter",
        "contrib/exporter/rabbitmqexporter",
        "contrib/exporter/sentryexporter",
        "contrib/exporter/signalfxexporter",
        "contrib/exporter/splunkhecexporter",
        "contrib/exporter/stefexporter",
        "contrib/exporter/sumologicexporter",
        "contrib/exporter/syslogexporter",
        "contrib/exporter/tencentcloudlogserviceexporter",
        "contrib/exporter/tinybirdexporter",
        "contrib/exporter/zipkinexporter",
    ),
    "extensions": (
        "core/extension/zpagesextension",
        "contrib/extension/ackextension",
        "contrib/extension/asapauthextension",
        "contrib/extension/dbauth/awsiamdbauthextension",
        "contrib/extension/awsproxy",
        "contrib/extension/azureauthextension",
        "contrib/extension/basicauthextension",
        "contrib/extension/bearertokenauthextension",
        "contrib/extension/cgroupruntimeextension",
        "contrib/extension/datadogextension",
        "contrib/extension/encoding/awscloudwatchmetricstreamsencodingextension",
        "contrib/extension/encoding/awslogsencodingextension",
        "contrib/extension/encoding/azureencodingextension",
        "contrib/extension/encoding/googlecloudlogentryencodingextension",
        "contrib/extension/encoding/jaegerencodingextension",
        "contrib/extension/encoding/jsonlogencodingextension",
        "contrib/extension/encoding/otlpencodingextension",
        "contrib/extension/encoding/skywalkingencodingextension",
        "contrib/extension/encoding/textencodingextension",
        "contrib/extension/encoding/zipkinencodingextension",
        "contrib/extension/googleclientauthextension",
        "contrib/extension/headerssetterextension",
        "contrib/extension/healthcheckextension",
        "contrib/extension/httpforwarderextension",
        "contrib/extension/jaegerremotesampling",
        "contrib/extension/oauth2clientauthextension",
        "contrib/extension/observer/dockerobserver",
        "contrib/extension/observer/ecsobserver",
        "contrib/extension/observer/hostobserver",
        "contrib/extension/observer/k8sobserver",
        "contrib/extension/oidcauthextension",
        "contrib/extension/opampextension",
        "contrib/extension/pprofextension",
        "contrib/extension/sigv4authextension",
        "contrib/extension/storage/filestorage",
        "contrib/extension/storage/dbstorage",
        "contrib/extension/storage/redisstorageextension",
        "contrib/extension/tailstorage/pebbletailstorageextension",
        "contrib/extension/sumologicextension",
        "contrib/extension/k8sleaderelector",
    ),
    "connectors": (
        "core/connector/forwardconnector",
        "contrib/connector/countconnector",
        "contrib/connector/datadogconnector",
        "contrib/connector/exceptionsconnector",
        "contrib/connector/failoverconnector",
        "contrib/connector/grafanacloudconnector",
        "contrib/connector/otlpjsonconnector",
        "contrib/connector/roundrobinconnector",
        "contrib/connector/routingconnector",
        "contrib/connector/servicegraphconnector",
        "contrib/connector/spanmetricsconnector",
        "contrib/connector/sumconnector",
        "contrib/connector/signaltometricsconnector",
    ),
}

# module directory -> (type, deprecated alias or None)
TYPE_OVERRIDES: dict[str, tuple[str, str | None]] = {
    # verified: core metadata.yaml at v0.159.0, or contrib rename PRs merged before the tag
    # (kubelet_stats #47957, k8s_objects #47440, prometheus_remote_write #48705, its receiver
    # #46726, resource_detection #48525, azure_monitor receiver #46730, aws_logs_encoding #46776,
    # file_stats #47813; file_log since v0.149.0 and k8s_attributes: the helm chart's UPGRADING.md)
    "otlpexporter": ("otlp_grpc", "otlp"),
    "otlphttpexporter": ("otlp_http", "otlphttp"),
    "memorylimiterprocessor": ("memory_limiter", None),
    "kubeletstatsreceiver": ("kubelet_stats", "kubeletstats"),
    "k8sobjectsreceiver": ("k8s_objects", "k8sobjects"),
    "filelogreceiver": ("file_log", "filelog"),
    "filestatsreceiver": ("file_stats", "filestats"),
    "k8sattributesprocessor": ("k8s_attributes", "k8sattributes"),
    "resourcedetectionprocessor": ("resource_detection", "resourcedetection"),
    "prometheusremotewriteexporter": ("prometheus_remote_write", "prometheusremotewrite"),
    "prometheusremotewritereceiver": ("prometheus_remote_write", "prometheusremotewrite"),
    "azuremonitorreceiver": ("azure_monitor", "azuremonitor"),
    "namedpipereceiver": ("named_pipe", "namedpipe"),
    "awslogsencodingextension": ("aws_logs_encoding", "awslogs_encoding"),
    # read in the module source at v0.159.0 (internal/metadata/generated_status.go)
    "hostmetricsreceiver": ("host_metrics", "hostmetrics"),
    # the new type only with feature gate receiver.awscontainerinsightreceiver.useNewTypeName
    # (the old one only without it); the node agent sets the gate (agent/preset_catalog.py)
    "awscontainerinsightreceiver": ("awscontainerinsight", "awscontainerinsightreceiver"),
    # long-standing names that differ from the directory
    "k8sclusterreceiver": ("k8s_cluster", None),
    "k8seventsreceiver": ("k8s_events", None),
    "receivercreator": ("receiver_creator", None),
    "splunkhecreceiver": ("splunk_hec", None),
    "splunkhecexporter": ("splunk_hec", None),
    "probabilisticsamplerprocessor": ("probabilistic_sampler", None),
    "tailsamplingprocessor": ("tail_sampling", None),
    "alibabacloudlogserviceexporter": ("alibabacloud_logservice", None),
    "tencentcloudlogserviceexporter": ("tencentcloud_logservice", None),
    "healthcheckextension": ("health_check", None),
    "filestorage": ("file_storage", None),
    "dbstorage": ("db_storage", None),
    "redisstorageextension": ("redis_storage", None),
    "k8sleaderelector": ("k8s_leader_elector", None),
    "dockerobserver": ("docker_observer", None),
    "ecsobserver": ("ecs_observer", None),
    "hostobserver": ("host_observer", None),
    "k8sobserver": ("k8s_observer", None),
    "headerssetterextension": ("headers_setter", None),
    "httpforwarderextension": ("http_forwarder", None),
    "oauth2clientauthextension": ("oauth2client", None),
    "asapauthextension": ("asapclient", None),
    "oidcauthextension": ("oidc", None),
    "jaegerencodingextension": ("jaeger_encoding", None),
    "jsonlogencodingextension": ("json_log_encoding", None),
    "otlpencodingextension": ("otlp_encoding", None),
    "textencodingextension": ("text_encoding", None),
    "zipkinencodingextension": ("zipkin_encoding", None),
    "skywalkingencodingextension": ("skywalking_encoding", None),
    "googlecloudlogentryencodingextension": ("googlecloudlogentry_encoding", None),
    "awscloudwatchmetricstreamsencodingextension": ("awscloudwatchmetricstreams_encoding", None),
    "azureencodingextension": ("azure_encoding", None),
}

# Modules whose config type was not established; the validator rejects them.
TYPE_NOT_RECORDED = frozenset(
    {"go.opentelemetry.io/obi/collector", "awsiamdbauthextension", "pebbletailstorageextension"}
)

_SUFFIXES = ("receiver", "processor", "exporter", "extension", "connector")


def derive_types(module: str) -> tuple[str, ...]:
    """Config types (primary first, then a deprecated alias) for one manifest module path."""
    if module in TYPE_NOT_RECORDED:
        return ()
    directory = module.rsplit("/", 1)[-1]
    if directory in TYPE_NOT_RECORDED:
        return ()
    if directory in TYPE_OVERRIDES:
        primary, alias = TYPE_OVERRIDES[directory]
        return (primary,) if alias is None else (primary, alias)
    for suffix in _SUFFIXES:
        if directory.endswith(suffix) and directory != suffix:
            return (directory.removesuffix(suffix),)
    return (directory,)


@cache
def component_types(kind: str) -> frozenset[str]:
    """Every config type (and accepted deprecated alias) of one kind in the pinned release."""
    if kind not in MANIFEST_MODULES:
        raise KeyError(f"unknown component kind {kind!r}; expected one of {KINDS}")
    return frozenset(t for module in MANIFEST_MODULES[kind] for t in derive_types(module))


_PREFIXES = {
    "core/": "go.opentelemetry.io/collector/",
    "contrib/": "github.com/open-telemetry/opentelemetry-collector-contrib/",
}


def full_module(module: str) -> str:
    """A MANIFEST_MODULES entry as its Go module path (the shortened prefixes expanded)."""
    for short, full in _PREFIXES.items():
        if module.startswith(short):
            return full + module.removeprefix(short)
    return module


def module_of(kind: str, type_: str) -> str:
    """The Go module that provides a component type (or deprecated alias) of one kind."""
    found = [m for m in MANIFEST_MODULES[kind] if type_ in derive_types(m)]
    if len(found) != 1:
        raise KeyError(f"{kind[:-1]} type {type_!r}: modules {found} in otelcol-contrib")
    return full_module(found[0])
