{{/* The release's full name: the release name, or "<release>-<chart>" when it lacks the chart name. */}}
{{- define "hpo-reconciler.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hpo-reconciler.serviceAccountName" -}}
{{- default (include "hpo-reconciler.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* The one subject of every binding: the CronJob's ServiceAccount. */}}
{{- define "hpo-reconciler.subjects" -}}
- kind: ServiceAccount
  name: {{ include "hpo-reconciler.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}

{{- define "hpo-reconciler.labels" -}}
app.kubernetes.io/name: hpo-reconciler
app.kubernetes.io/part-of: hpo-reconciler
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The reconciler's rules on the resources it manages (namespaces are granted separately). */}}
{{- define "hpo-reconciler.resourceRules" -}}
- apiGroups: [sagemaker.aws.amazon.com]
  resources: [hyperparametertuningjobs]
  verbs: [get, list, patch]
- apiGroups: [sagemaker.aws.amazon.com]
  resources: [hyperparametertuningjobs/status]
  verbs: [patch]
- apiGroups: [sagemaker.aws.amazon.com]
  resources: [trainingjobs]
  verbs: [get, list, create, patch, delete]
- apiGroups: [sagemaker.aws.amazon.com]
  resources: [trainingjobs/status]
  verbs: [patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end -}}
