from . import api

# "response-tasks", not "plan-tasks": the planning app's 规划任务 are plan tasks in the glossary.
routes = [
    ("plans", api.PlanViewSet, "plan"),
    ("plan-levels", api.ResponseLevelViewSet, "responselevel"),
    ("plan-task-templates", api.TaskTemplateViewSet, "tasktemplate"),
    ("plan-activations", api.ActivationViewSet, "activation"),
    ("response-tasks", api.TaskViewSet, "responsetask"),
]
