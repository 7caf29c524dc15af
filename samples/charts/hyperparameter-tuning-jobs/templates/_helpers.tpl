{{/* metadata.name: the `name` value, or the release name (helm install --generate-name). */}}
{{- define "hpo.name" -}}
{{- default .Release.Name .Values.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A hyperparameter value as SageMaker wants it: always a string, integers without exponent. */}}
{{- define "hpo.string" -}}
{{- if kindIs "float64" . -}}
{{- if eq (float64 (int64 .)) . -}}{{- int64 . | toString | quote -}}{{- else -}}{{- toString . | quote -}}{{- end -}}
{{- else -}}
{{- toString . | quote -}}
{{- end -}}
{{- end -}}
