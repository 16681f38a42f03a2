"""Colloquial Portuguese questions about the example bakery FAQ, with the section that answers each.

Written with little word overlap on purpose: retrieval must work on meaning, not keywords.
"""

QUESTIONS: list[tuple[str, str]] = [
    ("vcs tão abertos no domingo de manhã?", "Horário de funcionamento"),
    ("até que horas posso passar aí hoje?", "Horário de funcionamento"),
    ("onde fica a loja de vocês?", "Endereço e como chegar"),
    ("me manda a localização da padaria", "Endereço e como chegar"),
    ("tem onde deixar o carro perto?", "Estacionamento"),
    ("vocês levam em casa?", "Entrega e delivery"),
    ("quanto fica o frete pra entregar aqui?", "Entrega e delivery"),
    ("quero um bolo pro aniversário da minha filha no sábado, como faço?", "Encomendas de bolos"),
    ("com quantos dias de antecedência preciso pedir a torta?", "Encomendas de bolos"),
    ("quais recheios de bolo vocês fazem?", "Sabores de bolo"),
    ("quanto sai o kg do bolo decorado?", "Sabores de bolo"),
    ("sou celíaca, tem algo pra mim?", "Pães sem glúten e sem lactose"),
    ("tenho intolerância a leite, o que posso comer aí?", "Pães sem glúten e sem lactose"),
    ("tem coisa sem nada de origem animal?", "Opções veganas"),
    ("posso pagar no cartão?", "Formas de pagamento"),
    ("aceitam ticket alimentação?", "Formas de pagamento"),
    ("dá pra dividir a encomenda em vezes?", "Parcelamento"),
    ("dá pra tomar café aí sentado?", "Café da manhã e mesas"),
    ("até que horas servem o café da manhã no salão?", "Café da manhã e mesas"),
    ("que horas sai pão quentinho do forno?", "Pão francês fresquinho"),
    ("quanto tá o pãozinho?", "Preço do pão francês"),
    ("vocês fazem coxinha pra festa?", "Salgados e festas"),
    ("quanto custa o cento de salgadinho?", "Salgados e festas"),
    ("queria mandar um presente de café da manhã pra minha mãe", "Cestas de café da manhã"),
    ("qual a senha da internet?", "Wi-Fi"),
    ("posso levar meu cachorro?", "Animais de estimação"),
    ("estão contratando?", "Trabalhe conosco"),
    ("o pão que comprei ontem veio mofado, e agora?", "Troca e reclamações"),
    ("vocês têm cartão de pontos?", "Programa de fidelidade"),
    ("meu filho tem alergia a amendoim, é seguro?", "Alergias e ingredientes"),
    ("já tem panetone pro natal?", "Encomenda de panetone"),
    ("qual o preço do panetone de chocolate?", "Encomenda de panetone"),
]
