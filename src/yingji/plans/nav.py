NAV = [
    ("应急预案", [
        ("预案管理", "plans:plan_list", "plans.view_plan"),
        ("响应任务看板", "plans:task_board", "plans.view_task"),
        ("预案启动记录", "plans:activation_list", "plans.view_activation"),
    ]),
]
