{{/*
Named templates. The chart keeps to a small Go-template subset (values, variables, if/else, with,
range, include, quote, default, toYaml, nindent, indent, sha256sum, not, base, toString, printf,
lookup, randAlphaNum, b64enc, b64dec, dig, fail, .Files.Get/Glob) so that tests/Deploy.Tests can
render it offline without a helm binary.
*/}}

{{/* Object name: the release name unless overridden. */}}
{{- define "pluginmesh.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride -}}
{{- end }}

{{- define "pluginmesh.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pluginmesh.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end }}

{{/* Selector labels: never change them between releases (a DaemonSet selector is immutable). */}}
{{- define "pluginmesh.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pluginmesh.labels" -}}
{{ include "pluginmesh.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{/*
The agent's pluginmesh.yaml. A named template so the DaemonSet can carry its checksum: a config
change rolls the pods (the agent reads this file only at start). Policies are not in it: they
hot-reload from their own ConfigMap.
*/}}
{{- define "pluginmesh.config" -}}
node:
  dataDir: /var/lib/pluginmesh
  {{- if .Values.policies.enabled }}
  policiesDir: /etc/pluginmesh/policies
  {{- end }}
profile: {{ .Values.config.profile }}
admin:
  listen: 127.0.0.1:{{ .Values.admin.port }}
telemetry:
  otlp:
    endpoint: {{ .Values.config.otlpEndpoint | quote }}
logging:
  level: {{ .Values.config.logging.level }}
  format: {{ .Values.config.logging.format }}
shutdownTimeoutMs: {{ .Values.config.shutdownTimeoutMs }}
plugins:
  {{- toYaml .Values.config.plugins | nindent 2 }}
{{- end }}
