"""(Endpoints being added.)"""

from ninja import Router

router = Router()
