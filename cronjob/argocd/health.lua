-- Argo CD health of a HyperparameterTuningJob or TrainingJob (sagemaker.aws.amazon.com/v1),
-- read from the conditions hpo-reconciler writes (kstatus style, docs/architecture.md "Status"):
--   being deleted, never reconciled, or generation not yet observed -> Progressing
--   Stalled=True                                                    -> Degraded (reason: message)
--   Ready=True                                                      -> Healthy
--   Ready=False and not Reconciling (a failed or stopped training job) -> Degraded
--   otherwise                                                       -> Progressing
-- A tuning job can run for hours; with healthy-when "submitted" (this file's default below, or the
-- annotation sagemaker.aws.amazon.com/healthy-when: submitted on the resource) it is Healthy as soon
-- as SageMaker has the job and the spec is in sync, so a sync never waits for the job to finish.
-- Lua 5.1, as Argo CD's interpreter; the same file serves both kinds. The argocd-cm patches beside
-- it are generated from this file (`python -m reconciler.tools.healthgen`), one per default below.
local HEALTHY_WHEN_DEFAULT = "completed"
local ANNOTATION = "sagemaker.aws.amazon.com/healthy-when"

local function find_condition(conditions, wanted)
  if conditions == nil then
    return nil
  end
  for _, condition in ipairs(conditions) do
    if condition.type == wanted then
      return condition
    end
  end
  return nil
end

local function is_true(condition)
  return condition ~= nil and condition.status == "True"
end

local function describe(condition, fallback)
  if condition == nil then
    return fallback
  end
  local text = condition.message or ""
  if condition.reason ~= nil and condition.reason ~= "" then
    if text ~= "" then
      return condition.reason .. ": " .. text
    end
    return condition.reason
  end
  if text ~= "" then
    return text
  end
  return fallback
end

local function assess(resource)
  local metadata = resource.metadata or {}
  if metadata.deletionTimestamp ~= nil then
    return "Progressing", "Being deleted: hpo-reconciler stops the SageMaker job, then removes the finalizer"
  end
  local status = resource.status
  if status == nil or status.conditions == nil then
    return "Progressing", "Waiting for hpo-reconciler to pick the resource up"
  end
  if metadata.generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < metadata.generation) then
    return "Progressing", "Waiting for hpo-reconciler to observe generation " .. tostring(metadata.generation)
  end
  local stalled = find_condition(status.conditions, "Stalled")
  if is_true(stalled) then
    return "Degraded", describe(stalled, "Stalled")
  end
  local ready = find_condition(status.conditions, "Ready")
  if is_true(ready) then
    return "Healthy", describe(ready, "Ready")
  end
  local reconciling = find_condition(status.conditions, "Reconciling")
  if ready ~= nil and ready.status == "False" and not is_true(reconciling) then
    return "Degraded", describe(ready, "Not ready")
  end
  local healthy_when = HEALTHY_WHEN_DEFAULT
  if metadata.annotations ~= nil and metadata.annotations[ANNOTATION] ~= nil then
    healthy_when = metadata.annotations[ANNOTATION]
  end
  local job_name = status.sageMakerHyperParameterTuningJobName or status.sageMakerTrainingJobName
  if healthy_when == "submitted" and job_name ~= nil and job_name ~= "" then
    local sagemaker_status = status.hyperParameterTuningJobStatus or status.trainingJobStatus or "unknown"
    return "Healthy", "Submitted to SageMaker as " .. job_name .. " (" .. sagemaker_status .. ")"
  end
  if is_true(reconciling) then
    return "Progressing", describe(reconciling, "Reconciling")
  end
  return "Progressing", describe(ready, "Waiting for the Ready condition")
end

local hs = {}
hs.status, hs.message = assess(obj)
return hs
