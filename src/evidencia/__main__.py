from evidencia.cli import app

app()
