{{/* Shared names, labels and derived settings of the akri-ts chart. */}}

{{- define "akri.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "akri.labels" -}}
app.kubernetes.io/part-of: akri-ts
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "akri.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) | quote }}
{{- end -}}

{{/* The kubelet root directory: the raw override, else the distribution preset. */}}
{{- define "akri.kubeletDir" -}}
{{- if .Values.kubeletDir -}}{{ .Values.kubeletDir }}
{{- else if eq .Values.kubernetesDistro "microk8s" -}}/var/snap/microk8s/common/var/lib/kubelet
{{- else -}}/var/lib/kubelet
{{- end -}}
{{- end -}}

{{/* Every handler the chart knows, in values order. */}}
{{- define "akri.handlerNames" -}}debugEcho onvif opcua udev modbus modbusRtu ble{{- end -}}

{{/* "true" when the handler runs anywhere (embedded or as a DaemonSet). */}}
{{- define "akri.handlerOn" -}}
{{- $root := index . 0 -}}{{- $name := index . 1 -}}
{{- if or (has $name $root.Values.agent.embeddedHandlers) (index $root.Values $name).discovery.enabled -}}true{{- end -}}
{{- end -}}

{{- define "akri.agentHostNetwork" -}}
{{- if or .Values.agent.hostNetwork (has "onvif" .Values.agent.embeddedHandlers) (has "ble" .Values.agent.embeddedHandlers) -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/* imagePullSecrets names as a pod spec's list of references. */}}
{{- define "akri.pullSecretRefs" -}}
{{- $refs := list }}{{ range . }}{{ $refs = append $refs (dict "name" .) }}{{ end }}{{ toJson $refs }}
{{- end -}}

{{/* Broker resource block in Akri's style: the {{PLACEHOLDER}} slot plus memory and cpu. */}}
{{- define "akri.brokerResources" -}}
requests:
  "{{`{{PLACEHOLDER}}`}}": "1"
  memory: {{ .memoryRequest }}
  cpu: {{ .cpuRequest }}
limits:
  "{{`{{PLACEHOLDER}}`}}": "1"
  memory: {{ .memoryLimit }}
  cpu: {{ .cpuLimit }}
{{- end -}}

{{/*
A Configuration in Akri's value style. Arguments: dict root, handler (registered name),
cfg (the configuration values), details (discoveryDetails as YAML text), privilegedBroker
(Akri's udev default: a broker reaching /dev nodes runs privileged unless told otherwise),
extraVolumes (opcua certificates).
*/}}
{{- define "akri.configuration" -}}
{{- $root := .root -}}{{- $cfg := .cfg -}}
{{- $pod := $cfg.brokerPod | default dict -}}{{- $job := $cfg.brokerJob | default dict -}}
{{- $podRepo := (($pod.image | default dict).repository) -}}{{- $jobRepo := (($job.image | default dict).repository) -}}
apiVersion: akri.sh/v0
kind: Configuration
metadata:
  name: {{ $cfg.name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "akri.labels" $root | nindent 4 }}
spec:
  discoveryHandler:
    name: {{ .handler }}
    discoveryDetails: |+
      {{- .details | trimSuffix "\n" | nindent 6 }}
    {{- with $cfg.discoveryProperties }}
    discoveryProperties:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  {{- if or $podRepo $jobRepo }}
  brokerSpec:
    {{- if $podRepo }}
    brokerPodSpec:
      # Every pod the chart renders filters system calls with the runtime's default profile.
      securityContext:
        seccompProfile: { type: RuntimeDefault }
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets: {{ include "akri.pullSecretRefs" . }}
      {{- end }}
      containers:
        - name: {{ $cfg.name }}-broker
          image: {{ printf "%s:%s" $podRepo ($pod.image.tag | default "latest") | quote }}
          imagePullPolicy: {{ $pod.image.pullPolicy | default "IfNotPresent" }}
          {{- if $pod.securityContext }}
          securityContext:
            {{- toYaml $pod.securityContext | nindent 12 }}
          {{- else if .privilegedBroker }}
          securityContext:
            # Akri's udev default, kept so its values render the same: brokers written for Akri
            # may expect it. brokerPod.securityContext replaces it (the device node itself
            # reaches the container through the device plugin's deviceSpecs).
            privileged: true
          {{- end }}
          {{- with $pod.env }}
          env:
            {{- range $k, $v := . }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          {{- end }}
          resources:
            {{- include "akri.brokerResources" $pod.resources | nindent 12 }}
          {{- if .mountCertificates }}
          volumeMounts:
            - name: credentials
              mountPath: /etc/opcua-certs/client-pki
              readOnly: false
          {{- end }}
      {{- if .mountCertificates }}
      volumes:
        - name: credentials
          secret:
            secretName: opcua-broker-credentials
            items:
              - { key: client_certificate, path: own/certs/AkriBroker.der }
              - { key: client_key, path: own/private/AkriBroker.pfx }
              - { key: ca_certificate, path: trusted/certs/SomeCA.der }
              - { key: ca_crl, path: trusted/crl/SomeCA.crl }
      {{- end }}
    {{- else }}
    brokerJobSpec:
      template:
        spec:
          securityContext:
            seccompProfile: { type: RuntimeDefault }
          {{- with $root.Values.imagePullSecrets }}
          imagePullSecrets: {{ include "akri.pullSecretRefs" . }}
          {{- end }}
          containers:
            - name: {{ $cfg.name }}-broker
              image: {{ printf "%s:%s" $jobRepo ($job.image.tag | default "latest") | quote }}
              imagePullPolicy: {{ $job.image.pullPolicy | default "IfNotPresent" }}
              {{- with $job.command }}
              command:
                {{- toYaml . | nindent 16 }}
              {{- end }}
              resources:
                {{- include "akri.brokerResources" $job.resources | nindent 16 }}
          restartPolicy: {{ $job.restartPolicy | default "OnFailure" }}
      backoffLimit: {{ $job.backoffLimit | default 2 }}
      parallelism: {{ $job.parallelism | default 1 }}
      completions: {{ $job.completions | default 1 }}
    {{- end }}
  {{- if and $cfg.createInstanceServices $cfg.instanceService }}
  instanceServiceSpec:
    type: {{ $cfg.instanceService.type }}
    ports:
      - name: {{ $cfg.instanceService.portName }}
        port: {{ $cfg.instanceService.port }}
        protocol: {{ $cfg.instanceService.protocol }}
        targetPort: {{ $cfg.instanceService.targetPort }}
  {{- end }}
  {{- if and $cfg.createConfigurationService $cfg.configurationService }}
  configurationServiceSpec:
    type: {{ $cfg.configurationService.type }}
    ports:
      - name: {{ $cfg.configurationService.portName }}
        port: {{ $cfg.configurationService.port }}
        protocol: {{ $cfg.configurationService.protocol }}
        targetPort: {{ $cfg.configurationService.targetPort }}
  {{- end }}
  {{- end }}
  brokerProperties:
    {{- if $cfg.brokerProperties }}
    {{- range $k, $v := $cfg.brokerProperties }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
    {{- else }} {}
    {{- end }}
  capacity: {{ $cfg.capacity | default 1 }}
{{- end -}}

{{/*
A handler DaemonSet. Arguments: dict root, name (registered handler name), dsName, values
(discovery values), image, args, env (map), hostNetwork, capabilities (list), privileged,
mountDev, mountUdev, nonRoot (runs as podSecurity.handlerUser with a socket directory of its
own), rootReason (why a handler that is not nonRoot needs root; rendered as a comment).
*/}}
{{- define "akri.handlerDaemonSet" -}}
{{- $root := .root -}}{{- $v := .values -}}
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .dsName }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "akri.labels" $root | nindent 4 }}
    app.kubernetes.io/component: discovery-handler
    akri.sh/discovery-handler: {{ .name }}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ $root.Release.Name }}
      akri.sh/discovery-handler: {{ .name }}
  template:
    metadata:
      labels:
        {{- include "akri.labels" $root | nindent 8 }}
        app.kubernetes.io/component: discovery-handler
        akri.sh/discovery-handler: {{ .name }}
    spec:
      # Handlers talk only to the agent over its socket: no API access at all.
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets: {{ include "akri.pullSecretRefs" . }}
      {{- end }}
      {{- if .hostNetwork }}
      hostNetwork: true
      dnsPolicy: ClusterFirstWithHostNet
      {{- end }}
      {{- with $root.Values.agent.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        seccompProfile: { type: RuntimeDefault }
        {{- if .nonRoot }}
        # Non-root. The group is the socket group: it may enter the agent's handlers directory
        # (0750) and connect to agent-registration.sock (0660), and it is the group of this
        # handler's own socket, through which the agent (root, no capabilities) connects.
        runAsNonRoot: true
        runAsUser: {{ $root.Values.podSecurity.handlerUser }}
        runAsGroup: {{ $root.Values.podSecurity.socketGroup }}
        {{- end }}
      {{- if .nonRoot }}
      initContainers:
        # The handlers directory belongs to root (0750), so a non-root handler cannot create its
        # socket there. This step makes it a directory of its own, <handlers dir>/<name>, owned
        # by its user and the socket group (0750), and exits.
        - name: socket-dir
          image: {{ .image }}
          imagePullPolicy: {{ .pullPolicy | default "IfNotPresent" }}
          command: [install, -d, -m, "0750", -o, {{ $root.Values.podSecurity.handlerUser | quote }}, -g, {{ $root.Values.podSecurity.socketGroup | quote }}, {{ printf "%s/%s" $root.Values.agent.handlersDir .name | quote }}]
          securityContext:
            # Root with CHOWN and FOWNER only: to create the directory in the root-owned one and
            # hand it over (or fix one an earlier pod left).
            runAsNonRoot: false
            runAsUser: 0
            runAsGroup: 0
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
              add: [CHOWN, FOWNER]
          resources:
            requests: { cpu: 10m, memory: 16Mi }
            limits: { memory: 64Mi }
          volumeMounts:
            - name: handlers
              mountPath: {{ $root.Values.agent.handlersDir }}
      {{- end }}
      containers:
        - name: {{ .dsName | trunc 63 }}
          image: {{ .image }}
          imagePullPolicy: {{ .pullPolicy | default "IfNotPresent" }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          env:
            - name: DISCOVERY_HANDLERS_DIRECTORY
              value: {{ $root.Values.agent.handlersDir | quote }}
            {{- if .nonRoot }}
            - name: DISCOVERY_HANDLER_SOCKET_DIRECTORY
              value: {{ printf "%s/%s" $root.Values.agent.handlersDir .name | quote }}
            {{- end }}
            {{- range $k, $val := .env }}
            - name: {{ $k }}
              value: {{ $val | quote }}
            {{- end }}
          securityContext:
            {{- if .privileged }}
            # Privileged, as root: {{ .rootReason | default "customDiscoveryHandlers[].privileged asks for it (say why next to that value)." }}
            privileged: true
            {{- else }}
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
              {{- with .capabilities }}
              add: {{ toJson . }}
              {{- end }}
            {{- end }}
            {{- if not .nonRoot }}
            {{- if not .privileged }}
            # Root: {{ .rootReason | default "a custom handler's needs are unknown, and it serves its socket in the root-owned handlers directory." }}
            {{- end }}
            runAsUser: 0
            {{- end }}
          {{- with $v.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- if .mountDev }}
          # The host's /dev is mounted over /dev: the default /dev/termination-log would be
          # created in the host's /dev.
          terminationMessagePath: /tmp/termination-log
          {{- end }}
          volumeMounts:
            - name: handlers
              mountPath: {{ $root.Values.agent.handlersDir }}
            - name: tmp
              mountPath: /tmp
            {{- if .mountDev }}
            - name: dev
              mountPath: /dev
            {{- end }}
            {{- if .mountUdev }}
            - name: udev
              mountPath: /run/udev
              readOnly: true
            {{- end }}
      volumes:
        - name: handlers
          hostPath:
            path: {{ $root.Values.agent.handlersDir }}
            type: DirectoryOrCreate
        - name: tmp
          emptyDir: {}
        {{- if .mountDev }}
        - name: dev
          hostPath:
            path: /dev
        {{- end }}
        {{- if .mountUdev }}
        - name: udev
          hostPath:
            path: /run/udev
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
