from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cxq.accounts"
    label = "accounts"
    verbose_name = "Accounts"
